import { ApiProperty } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

const CREDENTIAL_DOC = {
  type: 'object' as const,
  additionalProperties: true,
  // A browser makes it: Swagger UI cannot call navigator.credentials; the shape is what to send.
  example: {
    id: 'credential id',
    rawId: 'credential id',
    type: 'public-key',
    response: {},
    clientExtensionResults: {},
  },
};

export class RegisterPasskeyDto {
  @ApiProperty({ ...CREDENTIAL_DOC, description: 'The result of navigator.credentials.create(), as JSON' })
  @IsObject()
  credential!: Record<string, unknown>;

  @ApiProperty({ required: false, example: 'Laptop', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;
}

export class RenamePasskeyDto {
  @ApiProperty({ example: 'Phone', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;
}

export class PasskeySignInDto {
  @ApiProperty({ ...CREDENTIAL_DOC, description: 'The result of navigator.credentials.get(), as JSON' })
  @IsObject()
  credential!: Record<string, unknown>;
}

export class PasskeyViewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Laptop' }) name!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: string | null;
}
