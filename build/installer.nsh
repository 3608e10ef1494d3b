; Registers the sign-in scheme with Windows, included by electron-builder's
; NSIS installer (electron-builder.yml `nsis.include`). electron-builder's
; `protocols` option does not reach NSIS, so without this the link
; com.example.desktop:/callback would only work after the app's first start
; (app.setAsDefaultProtocolClient) and would outlive an uninstall.
;
; SHELL_CONTEXT is HKCU for a per-user install (the default) and HKLM for
; "all users". The values are the ones app.setAsDefaultProtocolClient writes,
; so the app's own runtime registration finds them already in place.
; The scheme must match electron-builder.yml `protocols` and
; main/app-config.ts DEMO_SCHEME (test/integration/packaging.test.ts checks).

!macro customInstall
  WriteRegStr SHELL_CONTEXT "Software\Classes\com.example.desktop" "" "URL:com.example.desktop"
  WriteRegStr SHELL_CONTEXT "Software\Classes\com.example.desktop" "URL Protocol" ""
  WriteRegStr SHELL_CONTEXT "Software\Classes\com.example.desktop\shell\open\command" "" '"$appExe" "%1"'
!macroend

!macro customUnInstall
  ; An update runs the old uninstaller first: keep the registration then.
  ${ifNot} ${isUpdated}
    DeleteRegKey SHELL_CONTEXT "Software\Classes\com.example.desktop"
  ${endIf}
!macroend
