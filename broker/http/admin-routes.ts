// The /api/v1 routes over one node's clients and subscriptions.
import { ADMIN_API_PREFIX, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, type ClientInfoView } from '../contract/admin-api.js';
import type { AdminClientInfo, AdminTarget } from './admin-target.js';
import { ApiError } from './api-error.js';
import { parseLimit, type Route } from './route.js';

export function createAdminRoutes(target: AdminTarget): Route[] {
  const clientOr404 = (clientId: string): AdminClientInfo => {
    const client = target.getClient(clientId);
    if (client === undefined) throw new ApiError('not_found', `no client ${JSON.stringify(clientId)} is connected to ${target.nodeName}`);
    return client;
  };
  return [
    {
      method: 'GET', path: `${ADMIN_API_PREFIX}/clients`,
      handle: ({ query }) => {
        const limit = parseLimit(query, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
        return { status: 200, body: { clients: target.listClients(limit).map(toClientView), total: target.countClients(), limit } };
      },
    },
    {
      method: 'GET', path: `${ADMIN_API_PREFIX}/clients/:id`,
      handle: ({ params }) => ({ status: 200, body: toClientView(clientOr404(params['id'] as string)) }),
    },
    {
      method: 'DELETE', path: `${ADMIN_API_PREFIX}/clients/:id`,
      handle: ({ params }) => {
        const clientId = params['id'] as string;
        if (!target.kickClient(clientId)) throw new ApiError('not_found', `no client ${JSON.stringify(clientId)} is connected to ${target.nodeName}`);
        return { status: 200, body: { clientId, kicked: true } };
      },
    },
    {
      method: 'GET', path: `${ADMIN_API_PREFIX}/subscriptions`,
      handle: ({ query }) => {
        const limit = parseLimit(query, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
        const subscriptions = target.listSubscriptions();
        return { status: 200, body: { subscriptions: subscriptions.slice(0, limit), total: subscriptions.length, limit } };
      },
    },
  ];
}

/** JSON has no undefined: an anonymous client's view simply has no username. */
function toClientView(client: AdminClientInfo): ClientInfoView {
  const { username, ...rest } = client;
  return username === undefined ? rest : { ...rest, username };
}
