import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorFunction,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Public } from '../auth/decorators/public.decorator.js';
import { ErrorResponse } from '../common/http/error-response.dto.js';
import { REDIS, type Redis, redisAnswers } from '../redis/redis.module.js';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  /**
   * Liveness: the process serves requests. No dependency is asked: restarting an instance does not
   * bring Redis or the database back, and instances reconnect by themselves when they return.
   */
  @Public()
  @Get('live')
  @ApiOperation({
    summary: 'Liveness: 200 while the process serves requests, whatever its dependencies do',
    description: 'For a liveness probe. Asks no dependency; use `/health/ready` to take an instance out of rotation.',
  })
  @ApiOkResponse({
    description: 'The process answers',
    schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, example: { status: 'ok' } },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness; `/health` is the same check, kept for existing probes. */
  @Public()
  @Get(['ready', ''])
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: 200 when the database (and Redis, where configured) answers, else 503',
    description:
      '`GET /health` is an alias. For a readiness probe: take the instance out of rotation, do not restart it.',
  })
  @ApiOkResponse({
    description: 'Every dependency answers',
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['ok'] },
        info: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { status: { type: 'string', enum: ['up'] } } },
        },
        error: { type: 'object' },
        details: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { status: { type: 'string' } } },
        },
      },
      example: {
        status: 'ok',
        info: { database: { status: 'up' } },
        error: {},
        details: { database: { status: 'up' } },
      },
    },
  })
  @ApiServiceUnavailableResponse({ type: ErrorResponse, description: 'A dependency does not answer' })
  check(): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [() => this.db.pingCheck('database', { timeout: 1500 })];
    const redis = this.redis;
    if (redis) {
      checks.push(async () => {
        const indicator = this.indicators.check('redis');
        return (await redisAnswers(redis)) ? indicator.up() : indicator.down('Redis does not answer');
      });
    }
    return this.health.check(checks);
  }
}
