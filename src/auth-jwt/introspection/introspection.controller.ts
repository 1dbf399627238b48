import { Body, Controller, Header, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import {
  ApiBasicAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from '../../auth/decorators/public.decorator.js';
import { ErrorResponse } from '../../common/http/error-response.dto.js';
import { INTROSPECTION_SCHEME } from '../../docs/swagger.js';
import { IntrospectionClientGuard } from './introspection-client.guard.js';
import { IntrospectDto, IntrospectionView } from './introspection.dto.js';
import { IntrospectionService } from './introspection.service.js';

@ApiTags('oauth')
@Controller('oauth')
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionService) {}

  @Public()
  @Post('introspect')
  @HttpCode(HttpStatus.OK)
  @UseGuards(IntrospectionClientGuard)
  // RFC 7662 §2.2 answers are about live credentials: never cached by anyone.
  @Header('Cache-Control', 'no-store')
  @ApiBasicAuth(INTROSPECTION_SCHEME)
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: IntrospectDto })
  @ApiOperation({
    summary: 'Token introspection for resource servers (RFC 7662)',
    description:
      'For the other services of a deployment, authenticated with HTTP Basic as a client of `INTROSPECTION_CLIENTS`. `active` is true exactly when this server would accept the token right now (on every instance): a logout, `DELETE /auth/sessions/:id`, a forced logout or a deletion makes it false at once. A refresh token is introspected without being spent. A `DPoP` token_type (with `cnf.jkt`) must be presented by its client with a DPoP proof by that key. Rate limited per client.',
  })
  @ApiOkResponse({ type: IntrospectionView })
  @ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Unknown client or wrong secret' })
  @ApiTooManyRequestsResponse({ type: ErrorResponse })
  introspect(@Body() body: IntrospectDto): Promise<IntrospectionView> {
    return this.introspection.introspect(body.token);
  }
}
