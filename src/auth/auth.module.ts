import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { GlobalAuthGuard } from './auth.guard.js';

@Module({
  providers: [{ provide: APP_GUARD, useClass: GlobalAuthGuard }],
})
export class AuthModule {}
