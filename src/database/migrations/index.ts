import { CreateUsers1763800000000 } from './1763800000000-CreateUsers.js';
import { CreateHttpSessions1763800000100 } from './1763800000100-CreateHttpSessions.js';
import { CreateAuthSessions1763800000150 } from './1763800000150-CreateAuthSessions.js';
import { CreateTokenRevocations1763800000200 } from './1763800000200-CreateTokenRevocations.js';
import { CreateRefreshTokens1763800000300 } from './1763800000300-CreateRefreshTokens.js';
import { CreateAuthEvents1763800000400 } from './1763800000400-CreateAuthEvents.js';
import { AddSecondFactor1763800000800 } from './1763800000800-AddSecondFactor.js';
import { CreateEphemeralEntries1763800001800 } from './1763800001800-CreateEphemeralEntries.js';
import { AddRefreshTokenJkt1763800001810 } from './1763800001810-AddRefreshTokenJkt.js';
import { AddRefreshAuthTime1764400000000 } from './1764400000000-AddRefreshAuthTime.js';
import { AccountLifecycle1764400000100 } from './1764400000100-AccountLifecycle.js';

/** Every migration, in order. A new file from `npm run migration:generate` is added here. */
export const migrations = [
  CreateUsers1763800000000,
  CreateHttpSessions1763800000100,
  CreateAuthSessions1763800000150,
  CreateTokenRevocations1763800000200,
  CreateRefreshTokens1763800000300,
  CreateAuthEvents1763800000400,
  AddSecondFactor1763800000800,
  CreateEphemeralEntries1763800001800,
  AddRefreshTokenJkt1763800001810,
  AddRefreshAuthTime1764400000000,
  AccountLifecycle1764400000100,
];
