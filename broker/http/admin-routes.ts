// The /api/v1 routes over one node's clients and subscriptions, served from the contract's table.
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, type ClientInfoView } from '../contract/admin-api.js';
import { ADMIN_ENDPOINTS } from '../contract/admin-endpoints.js';
import type { AdminClientInfo, AdminTarget } from './admin-target.js';
import { ApiError } from './api-error.js';
import { parseLimit, serve, type Route } from './route.js';

export function createAdminRoutes(target: AdminTarget): Route[] {
  const clientOr404 = (clientId: string): AdminClientInfo => {
    const client = target.getClient(clientId);
    if (client === undefined) throw new ApiError('not_found', `no client ${JSON.stringify(clientId)} is connected to ${target.nodeName}`);
    return client;
  };
  return [
    serve(ADMIN_ENDPOINTS.listClients, ({ query }) => {
      const limit = parseLimit(query, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
      return { status: 200, body: { clients: target.listClients(limit).map(toClientView), total: target.countClients(), limit } };
    }),
    serve(ADMIN_ENDPOINTS.getClient, ({ params }) => ({ status: 200, body: toClientView(clientOr404(params.id)) })),
    serve(ADMIN_ENDPOINTS.kickClient, ({ params }) => {
      const clientId = params.id;
      if (!target.kickClient(clientId)) throw new ApiError('not_found', `no client ${JSON.stringify(clientId)} is connected to ${target.nodeName}`);
      return { status: 200, body: { clientId, kicked: true } };
    }),
    serve(ADMIN_ENDPOINTS.listSubscriptions, ({ query }) => {
      const limit = parseLimit(query, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
      const subscriptions = target.listSubscriptions();
      return { status: 200, body: { subscriptions: subscriptions.slice(0, limit), total: subscriptions.length, limit } };
    }),
  ];
}

/** JSON has no undefined: an anonymous client's view simply has no username. */
function toClientView(client: AdminClientInfo): ClientInfoView {
  const { username, ...rest } = client;
  return username === undefined ? rest : { ...rest, username };
}
