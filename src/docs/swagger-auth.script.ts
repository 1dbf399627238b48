/**
 * The browser side of signing in from Swagger UI, served as a script file of its own (never inline,
 * so the page's CSP keeps `script-src 'self'`). It is kept here as text, not as a `.js` file next to
 * this one, because the build is plain `tsc`, which would not copy a `.js` asset into `dist/`.
 *
 * It loads after `swagger-ui-bundle.js` and before the page's `load` event, when `swagger-ui-init.js`
 * calls `SwaggerUIBundle(options)`; it wraps that call to add two interceptors:
 *
 * - Cookie style: keeps the CSRF token from `POST /auth/session/login` or `GET /auth/session/csrf`
 *   (the cookie itself stays HttpOnly, out of reach of any script) and adds `X-CSRF-Token` to every
 *   POST, PUT, PATCH and DELETE. With no token known (after a reload), it asks
 *   `GET /auth/session/csrf` once.
 * - JWT style: the access token from `POST /auth/jwt/login` or `/auth/jwt/refresh` authorizes the
 *   Bearer scheme at once, persisted by Swagger UI's `persistAuthorization` (localStorage) so it
 *   survives a reload; `POST /auth/jwt/logout` removes it.
 * - A password change (`POST /users/me/password`) ends every session and answers a fresh sign-in in
 *   the caller's style: its new CSRF token or access token is taken as from a login, so the page
 *   stays signed in.
 */
export function swaggerAuthScript(bearerScheme: string): string {
  return `/* Swagger UI helpers of the auth server: see src/docs/swagger-auth.script.ts */
(function () {
  'use strict';
  var BEARER_SCHEME = ${JSON.stringify(bearerScheme)};
  var STATE_CHANGING = /^(POST|PUT|PATCH|DELETE)$/i;
  var LOGINS = ['/auth/session/login', '/auth/jwt/login'];
  var PASSWORD_CHANGE = '/users/me/password';
  // undefined: not known (ask /auth/session/csrf before the next state-changing call);
  // null: known to have no cookie session; a string: the session's token.
  var csrfToken;
  var ui = null;

  function pathOf(url) {
    try {
      return new URL(url, window.location.href).pathname;
    } catch (e) {
      return '';
    }
  }

  function hasHeader(headers, name) {
    return Object.keys(headers).some(function (key) {
      return key.toLowerCase() === name && headers[key] !== '' && headers[key] != null;
    });
  }

  function jsonBody(res) {
    if (res.body && typeof res.body === 'object') return res.body;
    try {
      return JSON.parse(res.text);
    } catch (e) {
      return null;
    }
  }

  function fetchCsrfToken() {
    return fetch('/auth/session/csrf', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) {
        return res.ok ? res.json() : null;
      })
      .then(function (body) {
        return body && typeof body.csrfToken === 'string' ? body.csrfToken : null;
      })
      .catch(function () {
        return undefined;
      });
  }

  async function requestInterceptor(req) {
    if (!STATE_CHANGING.test(req.method || '')) return req;
    req.headers = req.headers || {};
    // A token typed into the form wins; a Bearer request is judged by its token alone, and
    // logins are exempt: none of these needs the cookie session's token.
    if (hasHeader(req.headers, 'x-csrf-token') || hasHeader(req.headers, 'authorization')) return req;
    if (LOGINS.indexOf(pathOf(req.url)) !== -1) return req;
    if (csrfToken === undefined) csrfToken = await fetchCsrfToken();
    if (csrfToken) req.headers['X-CSRF-Token'] = csrfToken;
    return req;
  }

  function authorizeBearer(token) {
    var current = ui || window.ui;
    if (!current) return;
    current.preauthorizeApiKey(BEARER_SCHEME, token);
    // preauthorizeApiKey alone does not persist: store it as the Authorize dialog would.
    current.authActions.persistAuthorizationIfNeeded();
  }

  function forgetBearer() {
    var current = ui || window.ui;
    if (current) current.authActions.logoutWithPersistOption([BEARER_SCHEME]);
  }

  function responseInterceptor(res) {
    try {
      var path = pathOf(res.url);
      var body;
      // The second step and the passkey sign-in answer as the login of their style.
      var signIn = path === '/auth/mfa/verify' || path === '/auth/session/passkey' || path === '/auth/jwt/passkey';
      if (
        res.status === 200 &&
        (path === '/auth/session/login' || path === '/auth/session/csrf' || signIn || path === PASSWORD_CHANGE)
      ) {
        body = jsonBody(res);
        if (body && typeof body.csrfToken === 'string') csrfToken = body.csrfToken;
      } else if (res.status === 204 && path === '/auth/session/logout') {
        csrfToken = null;
      } else if (res.status === 401 || res.status === 403) {
        // The session may have ended or been replaced elsewhere: learn the token again next time.
        csrfToken = undefined;
      }
      if (res.status === 200 && (path === '/auth/jwt/login' || path === '/auth/jwt/refresh' || signIn || path === PASSWORD_CHANGE)) {
        body = jsonBody(res);
        if (body && typeof body.accessToken === 'string') authorizeBearer(body.accessToken);
      } else if (res.status === 204 && path === '/auth/jwt/logout') {
        forgetBearer();
      }
    } catch (e) {
      console.error('swagger-auth: could not read the response', e);
    }
    return res;
  }

  var SwaggerUIBundle = window.SwaggerUIBundle;
  if (typeof SwaggerUIBundle !== 'function') {
    console.error('swagger-auth: load this script after swagger-ui-bundle.js');
    return;
  }
  window.SwaggerUIBundle = new Proxy(SwaggerUIBundle, {
    apply: function (target, thisArg, args) {
      var options = Object.assign({}, args[0], {
        requestInterceptor: requestInterceptor,
        responseInterceptor: responseInterceptor,
      });
      ui = Reflect.apply(target, thisArg, [options]);
      return ui;
    },
  });
})();
`;
}
