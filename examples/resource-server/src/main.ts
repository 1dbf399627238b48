import { createResourceServer } from './app.js';
import { configFromEnv } from './config.js';

const config = configFromEnv();
const app = await createResourceServer(config);
await app.listen(config.port);
