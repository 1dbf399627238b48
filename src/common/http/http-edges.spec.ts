import helmet from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { isPrivatePath, normalizeUnreserved, refusedBody, securityHeaders, strictJsonReviver } from './http-edges.js';

describe("securityHeaders (an API answer's)", () => {
  it('sets the API headers of the OWASP REST cheat sheet', () => {
    const res = new ServerResponse(new IncomingMessage(new Socket()));
    let called = 0;
    securityHeaders(new IncomingMessage(new Socket()), res, () => called++);
    expect(called).toBe(1);
    expect(res.getHeaders()).toEqual({
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'cross-origin-resource-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    });
  });

  it("keeps helmet's HSTS policy", () => {
    const byHelmet = new ServerResponse(new IncomingMessage(new Socket()));
    helmet()(new IncomingMessage(new Socket()), byHelmet, () => undefined);
    const ours = new ServerResponse(new IncomingMessage(new Socket()));
    securityHeaders(new IncomingMessage(new Socket()), ours, () => undefined);
    expect(ours.getHeader('strict-transport-security')).toBe(byHelmet.getHeader('strict-transport-security'));
  });
});

const json = { 'content-type': 'application/json', 'content-length': '2' };

describe('refusedBody (the 415 rule both adapters apply)', () => {
  it.each<[string, string, Record<string, string>]>([
    ['a JSON body', 'POST', json],
    ['a JSON body in UTF-8, said so', 'POST', { ...json, 'content-type': 'application/json; charset=UTF-8' }],
    ['a quoted utf-8 charset', 'PATCH', { ...json, 'content-type': 'application/json; charset="utf-8"' }],
    ['an identity encoding', 'PUT', { ...json, 'content-encoding': 'identity' }],
    ['no body at all', 'POST', { 'content-type': 'text/plain' }],
    ['an empty body of any type', 'POST', { 'content-type': 'text/plain', 'content-length': '0' }],
    ['a GET, whatever it carries', 'GET', { 'content-type': 'text/plain', 'content-length': '5' }],
  ])('lets %s through', (_, method, headers) => {
    expect(refusedBody(method, headers)).toBeUndefined();
  });

  it.each<[string, string, Record<string, string>, RegExp]>([
    [
      'a form',
      'POST',
      { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '3' },
      /application\/json/,
    ],
    ['text/plain', 'DELETE', { 'content-type': 'text/plain', 'content-length': '3' }, /application\/json/],
    ['no content type', 'POST', { 'content-length': '3' }, /application\/json/],
    [
      'a chunked body of another type',
      'POST',
      { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' },
      /json/,
    ],
    ['a look-alike type', 'POST', { ...json, 'content-type': 'application/jsonp' }, /application\/json/],
    ['a +json type', 'POST', { ...json, 'content-type': 'application/x+json' }, /application\/json/],
    ['another charset', 'POST', { ...json, 'content-type': 'application/json; charset=latin1' }, /UTF-8/],
    ['UTF-16', 'POST', { ...json, 'content-type': 'application/json;charset=utf-16' }, /UTF-8/],
    ['a gzip body', 'POST', { ...json, 'content-encoding': 'gzip' }, /Content-Encoding/],
    ['an unknown encoding', 'PATCH', { ...json, 'content-encoding': 'compress' }, /Content-Encoding/],
  ])('refuses %s', (_, method, headers, why) => {
    expect(refusedBody(method, headers)).toMatch(why);
  });

  it('takes a form body on the introspection route only, however its path is spelled', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '9' };
    expect(refusedBody('POST', form, '/oauth/introspect')).toBeUndefined();
    expect(refusedBody('POST', form, '/OAuth/%69ntrospect/?x=1')).toBeUndefined();
    for (const url of ['/auth/jwt/login', '/users', '/oauth/introspect/x', '/oauth']) {
      expect(refusedBody('POST', form, url)).toMatch(/application\/json/);
    }
    expect(refusedBody('POST', { ...form, 'content-type': 'multipart/form-data' }, '/oauth/introspect')).toMatch(
      /application\/json/,
    );
  });
});

describe('isPrivatePath (no-store)', () => {
  it.each([
    '/auth/jwt/login',
    '/users/me',
    '/users',
    '/admin/users/1?x=1',
    '/auth',
    '/USERS/ME',
    '/%75sers/me',
    '/Auth/JWT/refresh',
  ])('%s is private', (p) => {
    expect(isPrivatePath(p)).toBe(true);
  });
  it.each(['/health', '/docs', '/authx', '/users-public', '/.well-known/jwks.json'])('%s is not', (p) => {
    expect(isPrivatePath(p)).toBe(false);
  });
});

describe('normalizeUnreserved (how Fastify reads a path, applied on Express)', () => {
  it.each([
    ['/%75sers/%6De', '/users/me'],
    ['/users/%6D%65?x=%6D', '/users/me?x=%6D'],
    ['/a%2Db%2E%5F%7E%30%41%5A%61%7A', '/a-b._~0AZaz'],
    ['/users%2Fme', '/users%2Fme'],
    ['/a%20b%25c%3F', '/a%20b%25c%3F'],
    ['/plain', '/plain'],
    ['/bad%zz%6', '/bad%zz%6'],
  ])('%s is %s', (url, expected) => {
    expect(normalizeUnreserved(url)).toBe(expected);
  });
});

describe('strictJsonReviver (the JSON.parse reviver of both body parsers)', () => {
  const parse = (text: string): unknown => JSON.parse(text, strictJsonReviver);

  it.each([
    ['plain text', '{"email":"a@example.com","password":"correct horse"}'],
    ['paired surrogates (an emoji), escaped and raw', '{"p":"\\ud83d\\ude00 😀","k😀":["\\ud83d\\ude00"]}'],
    ['any BMP character, escaped', '{"p":"\\u00e9\\uffff\\u0000"}'],
    ['numbers, booleans, null, nesting', '[1,true,null,{"a":{"b":[]}}]'],
  ])('keeps %s', (_, text) => {
    expect(parse(text)).toEqual(JSON.parse(text));
  });

  it.each([
    ['a lone high surrogate in a value', '{"email":"lone\\ud800@example.com"}'],
    ['a lone low surrogate in a value', '{"password":"abc\\udc00def"}'],
    ['a reversed pair', '{"p":"\\ude00\\ud83d"}'],
    ['a high surrogate at the end', '{"p":"x\\ud83d"}'],
    ['one in a key', '{"k\\ud800":1}'],
    ['one deep in an array', '{"a":[{"b":["ok","\\udfff"]}]}'],
    ['one at the top', '["\\ud800"]'],
  ])('refuses %s with a SyntaxError (a 400)', (_, text) => {
    expect(() => parse(text)).toThrow(SyntaxError);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s', (key) => {
    expect(() => parse(`{"a":{"${key}":{"x":1}}}`)).toThrow(SyntaxError);
  });
});
