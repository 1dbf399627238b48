import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { allConfig } from './config.js';

/** Loads every namespace at start-up, so a bad variable stops the app before it listens. */
@Module({
  imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: allConfig, cache: true })],
})
export class AppConfigModule {}
