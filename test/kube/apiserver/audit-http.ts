// The HTTP edge of the audit: records a request in the AuditLog when its response starts (so a
// watch or a followed log is in the log while it streams), or when the connection closes first.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeRequest, isWrite, type AuditLog } from './audit-log.js';
import { managerFromUserAgent } from './managed-fields.js';
import { parseApiPath } from './request-path.js';

/** Hooks one response; `user` is read when the entry is written (authentication runs after this). */
export function auditResponse(log: AuditLog, req: IncomingMessage, res: ServerResponse, now: () => number, user: () => string): void {
  let done = false;
  const record = (code: number): void => {
    if (done) return;
    done = true;
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    let path;
    try { path = parseApiPath(url.pathname); } catch { path = undefined; } // a malformed %-escape: recorded as a non-resource request
    const what = describeRequest(method, path, url.searchParams);
    const userAgent = req.headers['user-agent'] ?? '';
    const write = isWrite(what);
    log.record({
      time: now(), user: user(), userAgent, ...what, requestURI: req.url ?? '/', code,
      fieldManager: write && what.verb !== 'delete' && what.verb !== 'deletecollection' ? url.searchParams.get('fieldManager') ?? managerFromUserAgent(userAgent) : '',
      dryRun: url.searchParams.getAll('dryRun').includes('All'),
    });
  };
  const writeHead = res.writeHead.bind(res);
  res.writeHead = ((...args: Parameters<ServerResponse['writeHead']>) => {
    record(args[0]);
    return writeHead(...args);
  }) as ServerResponse['writeHead'];
  res.once('close', () => { record(res.headersSent ? res.statusCode : 0); });
}
