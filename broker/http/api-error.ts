// An admin-API failure with a stable code (contract/admin-api.ts); the server turns it into
// `{ error: { code, message } }` with the code's HTTP status.
import { API_ERROR_CODES, type ApiErrorBody, type ApiErrorCode } from '../contract/admin-api.js';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  constructor(code: ApiErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  get status(): number {
    return API_ERROR_CODES[this.code];
  }

  toBody(): ApiErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}
