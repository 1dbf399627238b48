import { Injectable, ValidationPipe } from '@nestjs/common';

/**
 * The app's one validation of request DTOs (`APP_PIPE`): unknown fields refused, values
 * transformed into the DTO class, no implicit coercion (`{"password": 123}` or `{"$ne": null}` is a
 * 400, not a string), and no input echoed back in the errors. A guard that must read a body
 * before pipes run (the login guard) validates it with this same pipe, once.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
    });
  }
}
