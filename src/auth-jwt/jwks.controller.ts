import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators/public.decorator.js';
import { type JwksDocument, JwtKeysService } from './keys/jwt-keys.service.js';

@ApiTags('jwt')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: JwtKeysService) {}

  @Public()
  @Get('jwks.json')
  // Public keys may be cached, briefly: a rotated-in key must reach verifiers before it signs much.
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'Public keys that verify access tokens (RFC 7517); empty with HS256' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        keys: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              kty: { type: 'string' },
              kid: { type: 'string' },
              alg: { type: 'string' },
              use: { type: 'string', enum: ['sig'] },
            },
            additionalProperties: true,
          },
        },
      },
    },
  })
  jwks(): JwksDocument {
    return this.keys.jwks();
  }
}
