import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** RFC 7662 §2.1, as a form (the standard) or as JSON. */
export class IntrospectDto {
  @ApiProperty({
    description: 'An access token (compact JWS) or a refresh token of this server',
    example: 'accessToken or refreshToken of a login',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  token!: string;

  /** RFC 7662 §2.1: a hint the server may ignore; this one tells the two kinds apart by their shape. */
  @ApiPropertyOptional({
    enum: ['access_token', 'refresh_token'],
    description: 'Ignored: the kind is told by the token',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  token_type_hint?: string;
}

/** RFC 7662 §2.2. Inactive: `{active: false}` and nothing else. */
export class IntrospectionView {
  @ApiProperty() active!: boolean;
  @ApiPropertyOptional({ description: 'User id' }) sub?: string;
  @ApiPropertyOptional({ description: 'Session (refresh family) id' }) sid?: string;
  @ApiPropertyOptional({ description: 'Access tokens only' }) jti?: string;
  @ApiPropertyOptional({ description: 'Access tokens only; seconds since the epoch' }) iat?: number;
  @ApiPropertyOptional({ description: 'Seconds since the epoch' }) exp?: number;
  @ApiPropertyOptional({ description: 'Access tokens only' }) iss?: string;
  @ApiPropertyOptional({ description: 'Access tokens only' }) aud?: string;
  @ApiPropertyOptional({ enum: ['Bearer', 'DPoP', 'refresh_token'] }) token_type?: 'Bearer' | 'DPoP' | 'refresh_token';
  @ApiPropertyOptional({
    description: 'A DPoP-bound access token: the thumbprint of its key (RFC 9449 §6.2)',
    example: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' },
  })
  cnf?: { jkt: string };
}
