// The rule for a node's name when MESHMQ_NODE_NAME (or nodeName in the file) is not set: in
// Kubernetes, the pod's DNS name through the headless Service, `<POD_NAME>.<MESHMQ_CLUSTER_DNS_NAME>`
// (e.g. mq-0.mq-headless.default.svc.cluster.local), when both variables are set; else the host name.

export function defaultNodeName(env: Readonly<Record<string, string | undefined>>, hostname: string): string {
  const pod = env['POD_NAME']?.trim();
  const service = env['MESHMQ_CLUSTER_DNS_NAME']?.trim().replace(/\.$/, '');
  if (pod && service) return `${pod}.${service}`;
  return hostname;
}
