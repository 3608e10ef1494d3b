/**
 * A private certificate authority made with openssl for the test run, and a
 * server certificate it signs for 127.0.0.1 / localhost: what a corporate
 * identity provider (or a TLS-inspecting firewall) presents. Nothing here is
 * trusted by the system: the test decides who trusts the CA.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface PrivateCa {
  caCert: string;
  serverKey: string;
  serverCert: string;
}

/**
 * Everything is in config files rather than `-subj` / `-addext`: macOS ships
 * LibreSSL as `openssl`, and a Windows build may have no default openssl.cnf.
 */
export function createPrivateCa(dir: string): PrivateCa {
  const f = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', timeout: 20_000 });
  const reqConfig = (commonName: string, extensions = '') =>
    `[req]\nprompt = no\ndistinguished_name = dn\n\n[dn]\nCN = ${commonName}\n${extensions ? `\n[ext]\n${extensions}` : ''}`;
  writeFileSync(
    f('ca.cnf'),
    reqConfig('Example Corp Test Root CA', 'basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n'),
  );
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-days',
    '2',
    '-config',
    f('ca.cnf'),
    '-extensions',
    'ext',
  );
  writeFileSync(f('server.cnf'), reqConfig('127.0.0.1'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-config', f('server.cnf'));
  writeFileSync(
    f('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.crt'),
    '-days',
    '2',
    '-extfile',
    f('server.ext'),
  );
  return { caCert: readFileSync(f('ca.crt'), 'utf8'), serverKey: readFileSync(f('server.key'), 'utf8'), serverCert: readFileSync(f('server.crt'), 'utf8') };
}
