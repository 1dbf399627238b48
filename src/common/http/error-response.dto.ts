import { ApiProperty } from '@nestjs/swagger';

/** Nest's error shape, the only one this server answers with. */
export class ErrorResponse {
  @ApiProperty({ example: 401 }) statusCode!: number;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], example: 'Unauthorized' })
  message!: string | string[];
  @ApiProperty({ example: 'Unauthorized' }) error!: string;
}
