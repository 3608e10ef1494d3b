/**
 * The strings table (main/i18n/strings.ts): every key in every language, the
 * same placeholders in each translation, and the OS locale choosing the
 * language.
 */
import { describe, expect, test } from 'vitest';
import { format, languageFor, LANGUAGES, type StringKey } from '../../main/i18n/strings';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const english = LANGUAGES.en;
const keys = Object.keys(english) as StringKey[];

describe.each(Object.entries(LANGUAGES))('%s', (_language, table) => {
  test('has every key, and no key English lacks', () => {
    expect(Object.keys(table).sort()).toEqual([...keys].sort());
  });

  test('every translation is filled and keeps the placeholders', () => {
    for (const key of keys) {
      expect(table[key].trim(), key).not.toBe('');
      expect(placeholders(table[key]), key).toEqual(placeholders(english[key]));
    }
  });
});

test('the OS locale picks the language; anything unknown is English', () => {
  expect(languageFor('de-AT')).toBe('de');
  expect(languageFor('de_DE')).toBe('de');
  expect(languageFor('DE')).toBe('de');
  expect(languageFor('en-GB')).toBe('en');
  expect(languageFor('fr-FR')).toBe('en');
  expect(languageFor('')).toBe('en');
  expect(languageFor(undefined)).toBe('en');
  // Names every object has are not languages.
  expect(languageFor('constructor')).toBe('en');
  expect(languageFor('toString-XX')).toBe('en');
});

test('format fills placeholders and leaves an unknown one visible', () => {
  expect(format('en', 'signIn.button', { provider: 'Acme' })).toBe('Sign in with Acme');
  expect(format('de', 'signIn.button', { provider: 'Acme' })).toBe('Mit Acme anmelden');
  expect(format('en', 'signIn.button')).toBe('Sign in with {provider}');
});
