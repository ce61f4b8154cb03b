/**
 * HTTP errors with stable codes, and the two handlers at the end of the middleware chain. Every API
 * error has the same shape: `{"error":{"code":"bad_request","message":"from: must be …"}}`. Messages
 * name the parameter and the reason; stack traces and internal details never leave the server.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { KankiError, StoreError } from '../../common/errors.ts';

/** Stable, public error codes of the dashboard API. */
export type ApiErrorCode = 'bad_request' | 'not_found' | 'store_unavailable' | 'too_busy' | 'rate_limited' | 'internal';

/** An error that maps to one HTTP status and a message safe to show to the public. */
export class HttpError extends KankiError {
  readonly status: number;
  readonly apiCode: ApiErrorCode;
  constructor(status: number, apiCode: ApiErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(`KANKI_HTTP_${apiCode.toUpperCase()}`, message, { ...options, retryable: status >= 500 });
    this.status = status;
    this.apiCode = apiCode;
  }
}

/** 400 with a message such as `from: must be an ISO 8601 time …`. */
export function badRequest(message: string): HttpError {
  return new HttpError(400, 'bad_request', message);
}

/** 404 with a message naming what was not found. */
export function notFound(message: string): HttpError {
  return new HttpError(404, 'not_found', message);
}

/** Sends the uniform JSON error body; errors are never cached. */
export function sendApiError(res: Response, status: number, code: ApiErrorCode, message: string): void {
  res.status(status).set('Cache-Control', 'no-store').json({ error: { code, message } });
}

const isApiPath = (path: string): boolean => path === '/api' || path.startsWith('/api/');

function sendHtmlError(res: Response, status: number, ja: string, en: string): void {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(`<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${status}</title></head><body><h1>${status}</h1><p>${ja}</p><p lang="en">${en}</p><p><a href="/">トップへ / Home</a></p></body></html>`);
}

/** Unknown routes: JSON under /api, a small HTML page elsewhere. */
export const notFoundHandler: RequestHandler = (req, res) => {
  if (isApiPath(req.path)) sendApiError(res, 404, 'not_found', `no such endpoint: ${req.method} ${req.path}`);
  else sendHtmlError(res, 404, 'ページが見つかりません。', 'Page not found.');
};

/**
 * The last handler. Known errors keep their status and message; errors from express itself with a
 * 4xx status (e.g. a malformed %-escape in the path) become 400s; everything else is logged with its
 * stack and answered with a bare 500.
 */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let status = 500;
    let code: ApiErrorCode = 'internal';
    let message = 'internal error';
    if (err instanceof HttpError) {
      ({ status, apiCode: code, message } = err);
    } else if (err instanceof StoreError) {
      status = 503;
      code = 'store_unavailable';
      message = 'the data store is not answering; try again shortly';
      logger.warn({ err, path: req.path }, 'store error while serving a request');
    } else {
      const s = (err as { status?: unknown; statusCode?: unknown } | null)?.status ?? (err as { statusCode?: unknown } | null)?.statusCode;
      if (typeof s === 'number' && s >= 400 && s < 500) {
        status = s === 404 ? 404 : 400;
        code = status === 404 ? 'not_found' : 'bad_request';
        message = status === 404 ? 'not found' : 'malformed request (e.g. an invalid %-escape in the path)';
      } else {
        logger.error({ err, method: req.method, path: req.path }, 'unhandled error while serving a request');
      }
    }
    if (isApiPath(req.path) || req.path === '/healthz') sendApiError(res, status, code, message);
    else sendHtmlError(res, status, status >= 500 ? '一時的なエラーです。しばらくしてから再読み込みしてください。' : '要求が正しくありません。', status >= 500 ? 'A temporary error occurred. Please reload in a moment.' : 'Bad request.');
  };
}
