// POST /api/v1/cluster/join and /cluster/leave (manual discovery): served by every node, refused
// with 409 and what to do instead on a node whose peers come from static or dns discovery, or none.
import { ADMIN_ENDPOINTS } from '../contract/admin-endpoints.js';
import { DEFAULT_JOIN_WAIT_MS } from '../contract/membership-api.js';
import { ApiError } from './api-error.js';
import { serve, type Route } from './route.js';

/** What the routes need from a node with manual discovery (ClusterNode satisfies it). */
export interface MembershipAdminTarget {
  joinAddress(address: string, waitMs: number): Promise<{ connected: boolean; self: boolean; peer: string | undefined }>;
  leaveCluster(waitForPeersMs: number): Promise<string[]>;
}

/** How long a leave waits for its peers' byes before it drops them anyway. */
const LEAVE_WAIT_MS = 2000;

const WHY_NOT: Readonly<Record<'none' | 'static' | 'dns', string>> = {
  none: 'this node is not clustered (cluster.discovery=none): start it with MESHMQ_CLUSTER_DISCOVERY=manual and a MESHMQ_CLUSTER_COOKIE to join and leave by hand',
  static: 'this node finds its peers in cluster.seeds (static discovery): list the address in MESHMQ_CLUSTER_SEEDS, or stop it to leave; join and leave by hand need MESHMQ_CLUSTER_DISCOVERY=manual',
  dns: 'this node finds its peers by DNS (dns discovery): they come and go with the DNS name (scale the StatefulSet, or drain a node to take it out); join and leave by hand need MESHMQ_CLUSTER_DISCOVERY=manual',
};

/**
 * `target`: the node, once started, when its discovery is manual; `discovery` says why not otherwise.
 * A node still starting answers 503.
 */
export function createMembershipRoutes(nodeName: string, discovery: 'none' | 'static' | 'dns' | 'manual', target: () => MembershipAdminTarget | undefined): Route[] {
  const manual = (): MembershipAdminTarget => {
    if (discovery !== 'manual') throw new ApiError('conflict', WHY_NOT[discovery]);
    const node = target();
    if (node === undefined) throw new ApiError('not_ready', 'the cluster node is still starting');
    return node;
  };
  return [
    serve(ADMIN_ENDPOINTS.joinCluster, async ({ body }) => {
      const node = manual();
      const outcome = await node.joinAddress(body.address, body.waitMs ?? DEFAULT_JOIN_WAIT_MS);
      if (outcome.self) throw new ApiError('conflict', `${body.address} is ${nodeName}'s own cluster address: give the address of another node`);
      if (outcome.connected) return { status: 200, body: { node: nodeName, address: body.address, connected: true, ...(outcome.peer === undefined ? {} : { peer: outcome.peer }) } };
      return {
        status: 202,
        body: { node: nodeName, address: body.address, connected: false, message: 'no node answered there yet with this cluster\'s cookie (wrong address, port or cookie?)' },
      };
    }),
    serve(ADMIN_ENDPOINTS.leaveCluster, async () => {
      const peers = await manual().leaveCluster(LEAVE_WAIT_MS);
      return { status: 200, body: { node: nodeName, left: true, peers } };
    }),
  ];
}
