import { table } from './format.js';

/**
 * The hot-path changes made with this bench, and what they measured when made (2026-11-22, on the
 * shared 2-core machine this project runs on). Kept here, not in the results: they compare code
 * before and after a change, which one run of the current code cannot.
 */
export const HOT_PATH_CHANGES = [
  '## Hot-path changes made with this bench',
  '',
  table(
    ['change', 'file', 'in-process CPU per call (`bench/micro.ts`)'],
    [
      [
        'The Bearer guard runs the passport-jwt strategy itself (a per-request object inheriting from it, as passport does) instead of going through `AuthGuard` and `passport.authenticate()`',
        '`src/auth-jwt/jwt-auth.guard.ts`',
        'whole guard 85 → 43 µs (with the next row)',
      ],
      [
        'HS256 verified on node:crypto (HMAC, constant-time compare of the base64url text, then the same claim checks) instead of jsonwebtoken through @nestjs/jwt; RS256/ES256 unchanged',
        '`src/auth-jwt/tokens/hs256-jws.ts`, `access-token.ts`',
        '`AccessTokenVerifier.verify` 42 → 16 µs',
      ],
      [
        'The session guard runs the cookie strategy the same way, then the same Origin / Fetch-Metadata and CSRF checks',
        '`src/auth-session/session-auth.guard.ts`',
        'the guard alone is about 2 µs either way in-process; the gain shows under HTTP',
      ],
      [
        'A request gets a session from express-session / @fastify/session only when it carries the session cookie or signs in; before, every other request (Bearer, anonymous) got a new session object (random id, HMAC, hash) that was then dropped',
        '`src/auth-session/session-transport.ts`',
        'seen in the profiles: 13 % of a Fastify and 20 % of an Express baseline request',
      ],
      [
        'helmet built once and applied on both adapters, instead of @fastify/helmet, which builds a helmet middleware (parsing the CSP) on every request',
        '`src/common/http/http-edges.ts`',
        'helmet() built 2.5 µs against 0.2 µs applied (the profiles: 7 % of a Fastify request)',
      ],
      [
        'The user read of `GET /users/me` and of each refresh: a statement written once from the entity metadata, hydrated by TypeORM, instead of `findOneBy`',
        '`src/users/user-by-id.ts`',
        '35 → 10 µs (the same row, 20,000 times, in one process)',
      ],
      [
        '@fastify/session signs the id it has just verified a second time, to build its session object; the signer it is given (`rememberingSigner`) hands back the verified cookie for that id instead (both replaced on 2026-12-02, last row)',
        '`src/auth-session/session-transport.ts`',
        'one HMAC-SHA256 less per session request: Fastify session case about 345 → 325 µs of server CPU per request (by hand: wrk as the bench runs it, 5 s, alternating, three pairs); this run against the previous: session ÷ baseline 0.539 → 0.582',
      ],
      [
        "One request-log step on both adapters (2026-11-30): the request id, an `AsyncLocalStorage` holding it that the root logger reads (`mixin`) only when a line is written, one access line; pino-http (a child logger and three listeners per request) and nestjs-pino's per-request middleware are gone, and with no Nest middleware the Fastify adapter runs without @fastify/middie (`skipMiddie`)",
        '`src/common/logging.module.ts`, `src/app.setup.ts`, `src/common/http/platform.ts`',
        'the public route (`GET /.well-known/jwks.json`) on Fastify, before ÷ after, by hand (wrk as the bench runs it, 5 s, the variants alternating, three rounds, medians): Node 20 server CPU 93 → 53 µs per request (×1.75 req/s), Node 26 58 → 33 µs (×1.7 req/s); pino-http or the middleware alone took about half each',
      ],
      [
        "`GET /users/me` answers from the user's record read less than a second ago, and only when read after the credential was issued (every change that must reach a user ends its credentials, so a newer credential forces a new read on any instance); the instance's own writes drop it",
        '`src/users/users.service.ts` (`current`, lru-cache)',
        "the TypeORM read was the largest app-side share of a guarded request's profile (about a tenth of it on Fastify)",
      ],
      [
        "The embedded stores' statements (the blacklist check of every guarded request, the session store, the ephemeral store, the user read) run prepared on better-sqlite3 itself, past TypeORM's query runner (query logging, subscriber broadcasts, three awaits); on PostgreSQL unchanged",
        '`src/database/statements.ts`',
        "the blacklist check was TypeORM's query runner, the largest app-side share of the JWT case's profile (about 7 %)",
      ],
      [
        'The access-token verifier remembers the tokens it verified (lru-cache, by their exact text): a client presents the same token until it expires, so the header parse and the HMAC run once per token; `exp`, `nbf` and `iat` are checked on every use and revocation is never remembered (2026-11-30)',
        '`src/auth-jwt/tokens/access-token.ts`',
        "verify was 12 % of the Bearer case's profile samples on Node 26; by hand (wrk as the bench runs it, 6 s, alternating, three pairs) server CPU per request 232/253/205 → 190/239/171 µs",
      ],
      [
        "The session cookie's signer on Fastify remembers the cookies it verified (valid under the first secret, by their exact text); forged cookies and older-secret cookies are checked every time, and the store is still asked on every request (2026-11-30)",
        '`src/auth-session/session-transport.ts` (`rememberingSigner`)',
        "the cookie's HMAC was 5.7 % of the session case's profile samples; by hand, three pairs: 322/240/347 → 270/212/232 µs",
      ],
      [
        "The guards read a route's `@Public`, `@Auth` and `@Roles` metadata once per controller and handler instead of three `Reflector` lookups per request (2026-11-30)",
        '`src/auth/per-route.ts`',
        "reflect-metadata's walks were about 1.6 % of the Bearer case's profile samples",
      ],
      [
        "The server's libuv threadpool threads, where argon2 hashes, run at nice 19 (Linux; libuv names them since 1.50, so not on Node 20): on a shared core the event loop preempts a hash instead of waiting out its time slice (2026-11-30)",
        '`src/common/threadpool-priority.ts`, `src/main.ts`',
        'the storm section alone (`--only=storm`, Node 26), on and off alternating, two pairs: guarded p99 during 50 logins Bearer 11.0/13.6 ms against 18.4/17.2 ms, cookie 12.9/12.9 against 20.9/18.1 ms; event-loop delay p99 during the storm 17–20 ms against 24–27 ms; logins per second alike (19–26). The quiet p99 the goal divides by moved between 4.7 and 12.5 ms from run to run on this machine, so the ×2 ratio itself stays noisy',
      ],
      [
        "The embedded stores' SQLite statements run on the event loop's next turn (`setImmediate`, in order) instead of at once: requests that arrived together reach their statement together and answer together, as when one Redis reply wakes many; run at once, each request ran start to finish alone (2026-12-01)",
        '`src/database/statements.ts`',
        'by hand, Node 26, the built server on its embedded store pinned to core 0, wrk on core 1 (50 connections, 6 s), the two variants side by side, CPU per request from /proc: Bearer `GET /users/me` 13,065–14,922 → 24,325–24,436 req/s, user + sys 66–76 → 40–41 µs (three earlier rounds, against a server that had run longer: 10,926–13,667 → 17,235–25,608 req/s); cookie 7,271–9,082 → 12,028–15,746 req/s, 110–138 → 63–83 µs. The same Bearer route on Redis in those rounds: 25,428–26,485 req/s, 37–39 µs',
      ],
      [
        "The embedded stores' reads queued in one turn run in one SQLite read transaction: outside a transaction SQLite takes and drops the WAL read lock (fcntl calls) for every statement, which cost more than the primary-key lookup itself; a write ends the transaction and runs alone (2026-12-01)",
        '`src/database/statements.ts`',
        "a one-off script, Node 26, a cookie request's two reads: 11.2 µs alone, 1.9 µs in batches of 50 (8.6 µs in batches of one request). By hand, Node 26, the two builds of the server (before and after) on their embedded stores, each pinned to core 0 in turn, wrk on core 1 (50 connections, 5 s, four rounds, the order reversed every other round), Fastify `GET /users/me`: Bearer 14,914–16,998 → 21,260–26,619 req/s (×1.43–1.57 round by round), cookie 10,600–12,582 → 15,282–18,937 req/s (×1.44–1.52)",
      ],
      [
        "node-redis' own command timeout turned off (`commandOptions.timeout: 0`; node-redis 6 defaults to 5 s): it arms an `AbortSignal.timeout` for every command, which only bounds the wait to be written but lives on, uncancelled, for the full 5 s. Every command keeps the app's own deadline, whose timer is cleared at the reply (2026-12-01)",
        '`src/redis/redis.module.ts`',
        'a one-off script, 50 `GET`s at a time on one client, CPU per command: Node 26 4.9–7.1 → 1.4–1.5 µs, Node 20 11.0–11.2 → 1.5 µs. By hand, Node 26, the two builds on Redis side by side as in the previous row: Fastify `GET /users/me` Bearer 19,890–22,632 → 23,555–27,247 req/s (×1.04–1.22 round by round), cookie 13,792–14,610 → 14,647–15,838 req/s (×1.02–1.10)',
      ],
      [
        "An API answer carries the OWASP REST Security Cheat Sheet's headers for APIs (six, about 200 bytes, a CSP that forbids everything) instead of helmet's thirteen (about 650 bytes), which speak mostly to HTML documents; the documentation pages keep helmet's (2026-12-01)",
        '`src/common/http/http-edges.ts`, `src/docs/swagger.ts`',
        'by hand, Node 26, the two builds on their embedded stores side by side as in the rows above (four rounds of 5 s): Fastify public route 36,679–38,665 → 40,592–41,491 req/s (×1.05–1.13 round by round), Bearer `GET /users/me` 31,626–32,673 → 33,525–35,516 (×1.03–1.12), cookie 21,438–21,936 → 23,819–25,062 (×1.09–1.17). node:http alone answering the same body: 125k req/s with 1 header, 86k with those 14, 104k with one 700-byte header: the bytes cost as much as the count',
      ],
      [
        'No ETag on Express, as on Fastify: Express hashed every body (SHA-1) for it and turned the body into a Buffer, written apart from the headers (`writev`), for answers that are `no-store` or change with each call (2026-12-01)',
        '`src/common/http/platform.ts`',
        'by hand, Node 26, the two builds on their embedded stores side by side as in the rows above (four rounds of 5 s), Express: public route 20,646–21,379 → 24,855–27,536 req/s (×1.16–1.33 round by round), Bearer `GET /users/me` 23,263–23,469 → 26,073–27,611 (×1.11–1.19), cookie 13,867–14,165 → 14,455–15,786 (×1.02–1.13)',
      ],
      [
        'The embedded session store has no `touch` (it had one that wrote nothing): express-session checks for one, and with it on every request hashed the session (its JSON, SHA-1) once more to decide whether to call it (2026-12-01)',
        '`src/session-store/embedded-session-store.ts`',
        'by hand, Node 26, the two builds side by side as in the rows above (four rounds of 5 s), Express cookie `GET /users/me`: 13,962–14,107 → 15,059–15,442 req/s (×1.08–1.10 round by round)',
      ],
      [
        "The Fastify edges (the API's security headers, JSON only, no-store) run inside the app's first request hook, after the request id and in its log context, instead of as two hooks of their own: two fewer steps of Fastify's hook runner on every request (2026-12-01)",
        '`src/common/http/fastify-edges.ts`, `src/app.setup.ts`',
        "instructions counted by valgrind's callgrind, Node 26, the public route (`GET /.well-known/jwks.json`) after 20,000 warm-up requests, 4,000 counted, three runs of each build alternating: 230,648–231,766 → 225,836–228,695 instructions per request (−1.8 % by the means). req/s by hand could not resolve it: on the EPYC machine of that day one build's rounds moved by ±10–20 %",
      ],
      [
        "On Fastify the request id and the API's security headers go on the reply (`reply.header`) instead of the Node.js response (`reply.raw.setHeader`): Fastify writes the reply's headers with one `writeHead(status, headers)`, which Node.js takes as it is only while the response holds no header of its own, and otherwise merges one `setHeader` at a time. The documentation pages take the API's headers back off the reply before helmet sets theirs (2026-12-01)",
        '`src/common/http/fastify-edges.ts`, `src/app.setup.ts`, `src/docs/swagger.ts`',
        'callgrind, by the one-off script `bench/callgrind.sh` was then written from (its env had fixed secrets and an admin account), the public route, the two builds alternating: Node 26 143,163–150,528 → 141,398–142,467 instructions per request (the new build six runs, the old five, −1.4 % by the medians; one more run of the old build, 255,955 while the test suite ran beside it, left out), Node 20 356,071–356,513 → 344,744–345,325 (two runs each, −3.2 %). Nest alone setting the same seven headers on the response or on the reply (Node 26): 122,431–122,458 against 120,447–120,589',
      ],
      [
        "On Fastify an answer made in the event-loop turn that read its request (a route that answers from memory: the public routes, a refusal before any store) is held until that turn's reads are over and written with the others of the turn, in its check phase; every other answer (after a Redis reply, after the SQLite statements) goes out at once (2026-12-02)",
        '`src/common/http/answer-turns.ts`, `src/app.setup.ts`',
        "by hand, Node 26, the two builds side by side (wrk, 50 connections, rounds of 5 s, in both orders): on the embedded store the public route 16,406–23,711 → 18,700–29,648 req/s (×1.13–1.25 round by round, four rounds), Bearer ×0.93–1.00, cookie ×0.79–1.11; on Redis the public route ×1.11–1.38 (five rounds), Bearer ×0.80–1.08, cookie ×0.94–1.26. At one request at a time it costs: callgrind, public route, 135,614 → 150,486 instructions per request (+11 %, one run each; two cut-down builds, one run each: 139,782 with the `setImmediate` of each turn and nothing held, 140,214 with the answer hook too). Two cheaper ways gained nothing: corking the socket until the check phase (141,644 instructions, public route ×0.97–1.01), and holding only while another request is in flight (136,136; ×0.92–1.04: the public route never has one in flight when it reads the next). A first rule, holding every answer made while the turn's flush was pending, also held the Redis routes' answers: Redis cookie ×0.79–0.99",
      ],
      [
        'A session transport of our own on both adapters (`SessionCookies`) instead of express-session and @fastify/session: the same signed cookie and stores, the verified cookie remembered as `rememberingSigner` did (which it replaces), and the session written only when the code saves it, so no hash of the session per request (2026-12-02)',
        '`src/auth-session/request-session.ts`, `session-transport.ts`',
        'by hand, wrk with 50 connections, the two builds side by side, four rounds of 5 s alternating: Node 20, Express cookie `GET /users/me` 2,431–2,637 → 2,998–3,217 req/s (×1.16–1.23 round by round), public route unchanged within the noise. On Node 26 the rounds moved too much to read (×1.07–1.69). Not yet in a full run; in two partial ones (`--only=guard`, three rounds) Express cookie ÷ its public route 0.697, then 1.009 with Express alone (`--adapters=express`). The new build\'s Fastify public route, which runs none of this code, answered 17.7k–21.8k req/s against 27.0k–30.6k, and the same as the old build once @fastify/session was only imported at start-up (README, "Performance")',
      ],
      [
        "The server runs with V8's allocation-site pretenuring off (`node --no-allocation-site-pretenuring` in `npm start` and `npm run start:prod`); the bench starts every server, floors and peers included, with the flags of `start:prod` (2026-12-02)",
        '`package.json`, `bench/lib/processes.ts`',
        'the app\'s boot had V8 allocate dozens of per-request allocation sites straight into the old generation (35 before the first request, 24 more under load; `--trace-pretenuring-statistics`), so each request\'s young objects were kept alive and promoted: `--trace-gc`, Node 26, wrk with 50 connections, one server, a scavenge promoted 3.5 MB (cookie route) and 6 MB (public route, after the cookie route) and paused 27–34 ms; with the flag under 1 KB and about 1 ms. By hand, the same build with and without the flag, three rounds of 5 s: public route ×1.01–1.92, Bearer ×1.16–1.37, cookie ×1.37–1.89; Nest alone ×0.93–1.08. Setting it with `v8.setFlagsFromString` in a module loaded first (`--import`) left the cookie route promoting 1.4 MB per scavenge (README, "Decisions")',
      ],
      [
        "On Fastify @fastify/cookie is registered without its parsing hook: nothing reads `request.cookies`, and the hook parsed every request's cookies into a new object and `Map`; `reply.setCookie` parses lazily when it is called (2026-12-02)",
        '`src/auth-session/session-transport.ts`',
        'by hand, Node 26, both builds with the flag above, side by side, server CPU per request from /proc (wrk, 50 connections, rounds of 5 s, both orders): cookie `GET /users/me` 52, 71, 49, 48, 72, 49 → 38, 42, 44, 43, 50, 53 µs; Bearer 49, 78, 53 → 41, 79, 43 µs; public route 34, 30, 36 → 33, 32, 32 µs. req/s moved too much between rounds to read',
      ],
      [
        '`GET /users/me` makes its `UserView` once per user record that `UsersService.current()` hands out (a `WeakMap` keyed by the record, which is shared for up to a second and replaced when read anew), instead of a new object and a `toISOString()` per request (2026-12-02)',
        '`src/users/users.controller.ts`',
        'Node 26, in one process, 2 million calls over 50 records: `UserView.of` 392–436 ns per call, the remembered view 9–12 ns. By hand on the Intel Xeon, together with a change not kept (the session step folded into the first request hook: 148,500 → 148,200 instructions per request on the public route, callgrind, two runs each), two sets of 20 interleaved 1 s slices of each build: server CPU per request Bearer 28.96 → 28.37 and 27.02 → 26.41 µs, cookie 32.22 → 31.68 and 32.52 → 30.38 µs; req/s ×1.00–1.01 (Bearer) and ×1.00–1.07 (cookie)',
      ],
      [
        "SQLite checkpoints (the copy of the WAL into the database file, two fsyncs) run in a worker thread on a connection of its own, a PASSIVE one every 500 ms; the app connection checkpoints itself only past 10,000 pages, or past SQLite's 1,000 again when the worker cannot run. Before, the commit that took the log past 1,000 pages ran the checkpoint on the event loop, about once a second in a login storm (2026-12-03)",
        '`src/database/wal-checkpointer.ts`',
        'by hand, Node 20, the built server pinned to one core, 20 s of 50 concurrent JWT logins each, fsyncs counted with `strace -f -T`: main thread 48 fsyncs, median 1.7 ms, longest 18 ms, 0.20 s in all (673 logins) → 22, longest 0.55 ms, 9.5 ms in all (602 logins; the worker made 64)',
      ],
      [
        "libuv's threadpool threads, where argon2 hashes, run under SCHED_IDLE (util-linux's `chrt`, at start-up) on top of nice 19: a running nice-19 hash kept the core for the rest of its time slice whenever the event loop woke; a SCHED_IDLE thread is preempted at once. Without `chrt` they keep nice 19 (2026-12-03)",
        '`src/common/threadpool-priority.ts`, `src/main.ts`',
        'by hand, Node 26, the built server pinned to one core, a Bearer load paced at 2,000 req/s and 50 concurrent logins from the other core, the two builds alternating, two runs each, from each thread\'s `/proc/<pid>/task/<tid>/schedstat`: the event loop\'s run-queue wait per 10 s of storm 885 and 931 ms → 324 and 292 ms (quiet 299 and 312 → 277 and 282), event-loop gaps over 3 ms (a 1 ms timer in the server) 245 and 266 → 110 and 100, logins per second alike (30–31). Storm p99 in the bench, four partial runs alternating: README, "Performance"; the pairs past 15 ms, most likely those a mark-compact of V8 fell in, came in both builds',
      ],
    ],
  ),
  '',
  'The session, helmet and user-read rows (2026-11-22) together, two full runs back to back (13:10 and 13:41 UTC): baselines Express 2,016 → 2,788 req/s and Fastify 3,946 → 6,379; JWT HS256 (embedded) 1,813 → 2,319 and 3,076 → 4,491; the session case 1,672 → 1,810 and 3,177 → 3,476. The session-guarded ratios fell (Express 0.81 → 0.67, Fastify 0.84 → 0.54) because the baseline no longer pays for a session it never uses, while the session case itself got faster: what a session-guarded request costs over an unguarded one is now measured without the waste both used to share.',
  '',
  'Req/s ratio to the baseline, `GET /users/me`, before and after, run back to back on one snapshot of the code (`--only=guard --rounds=3 --duration=5`, medians; on Express, before the Fastify adapter existed):',
  '',
  table(
    ['case', 'before', 'after'],
    [
      ['JWT HS256, embedded', '0.772', '0.868'],
      ['Session cookie, embedded', '0.800', '0.842'],
      ['JWT HS256, Redis', '0.852', '1.052'],
      ['Session cookie, Redis', '1.145', '1.117'],
    ],
  ),
  '',
  'Login storm: `PasswordService` runs at most the available cores minus one argon2 computations at once (`p-limit`). Before, four threadpool threads shared the pinned core with the event loop; `--quick --only=storm`, back to back: guarded p99 during 50 concurrent logins ×90.5 → ×1.94 (Bearer) and ×436 → ×2.07 (cookie), at the same 20 logins/s.',
  '',
  "The JWT guard alone, 4 rounds of 5 s: 0.763 with the code as it was, 0.761 with the HS256 verifier only, 0.857 with the guard change too. The machine was shared with other test suites while these ran: one case's ratio moved by up to ±0.15 from round to round, so each median carries about ±0.05 and ratios above 1 are noise; the in-process figures are the steadier ones. No security check was removed: the unit specs of both modules, the JWT and session e2e suites and the attack suite (`test/security/`) pass unchanged.",
  '',
].join('\n');
