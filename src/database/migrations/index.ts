import { CreateUsers1763800000000 } from './1763800000000-CreateUsers.js';

/** Every migration, in order. A new file from `npm run migration:generate` is added here. */
export const migrations = [CreateUsers1763800000000];
