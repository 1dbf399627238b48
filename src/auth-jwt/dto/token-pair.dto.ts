import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class TokenPairView {
  @ApiProperty({
    description:
      'Compact JWS; send as `Authorization: Bearer <accessToken>`, or, when `tokenType` is `DPoP`, as `Authorization: DPoP <accessToken>` with a DPoP proof',
  })
  accessToken!: string;
  @ApiProperty({
    enum: ['Bearer', 'DPoP'],
    description: '`DPoP` when the login or refresh carried a DPoP proof: the session is bound to its key (RFC 9449)',
  })
  tokenType!: 'Bearer' | 'DPoP';
  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 }) expiresIn!: number;
  @ApiProperty({ description: 'Opaque, single use: each refresh spends it and returns a new one' })
  refreshToken!: string;
  @ApiProperty({ description: 'Seconds until the refresh token expires', example: 1209600 }) refreshExpiresIn!: number;
}

export class RefreshDto {
  @ApiPropertyOptional({ description: 'The refresh token; may be omitted when the refresh cookie is sent instead' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  refreshToken?: string;
}
