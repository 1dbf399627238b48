import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class TokenPairView {
  @ApiProperty({ description: 'Compact JWS; send as `Authorization: Bearer <accessToken>`' }) accessToken!: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
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
