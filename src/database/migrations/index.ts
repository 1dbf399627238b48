import { CreateUsers1763800000000 } from './1763800000000-CreateUsers.js';
import { CreateHttpSessions1763800000100 } from './1763800000100-CreateHttpSessions.js';
import { CreateAuthSessions1763800000150 } from './1763800000150-CreateAuthSessions.js';
import { CreateTokenRevocations1763800000200 } from './1763800000200-CreateTokenRevocations.js';
import { CreateRefreshTokens1763800000300 } from './1763800000300-CreateRefreshTokens.js';
import { CreateAuthEvents1763800000400 } from './1763800000400-CreateAuthEvents.js';

/** Every migration, in order. A new file from `npm run migration:generate` is added here. */
export const migrations = [
  CreateUsers1763800000000,
  CreateHttpSessions1763800000100,
  CreateAuthSessions1763800000150,
  CreateTokenRevocations1763800000200,
  CreateRefreshTokens1763800000300,
  CreateAuthEvents1763800000400,
];
