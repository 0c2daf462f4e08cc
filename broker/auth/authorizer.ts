// What the protocol layer asks of authentication and authorization. Denials are results
// (the caller turns them into reason codes), never exceptions.
export interface ConnectCredentials {
  clientId: string;
  username: string | undefined;
  password: Buffer | undefined;
  /** Common name of a verified TLS client certificate. */
  certCommonName: string | undefined;
  remoteAddress: string;
}

export type AuthenticationResult =
  | { ok: true; username: string | undefined }
  | { ok: false; reason: 'bad-credentials' | 'not-authorized' };

/** Who a connected client is, as the ACL sees it. */
export interface ClientIdentity {
  readonly clientId: string;
  readonly username: string | undefined;
}

export interface Authorizer {
  authenticate(credentials: ConnectCredentials): Promise<AuthenticationResult>;
  canPublish(identity: ClientIdentity, topic: string): boolean;
  canSubscribe(identity: ClientIdentity, filter: string): boolean;
  /**
   * Whether a message on `topic` may be delivered to this client. Only needed for
   * subscriptions with wildcards (an exact filter was checked by canSubscribe): this is how
   * a `#` subscriber is kept from reading what the ACL forbids.
   */
  canReceive(identity: ClientIdentity, topic: string): boolean;
  /** The client's connection is gone: drop whatever was cached for it. */
  forget?(clientId: string): void;
}

/** Anonymous, everything allowed except reading `$SYS`, which needs an explicit rule. */
export const allowAllAuthorizer: Authorizer = {
  authenticate: async (c) => ({ ok: true, username: c.username }),
  canPublish: (_i, topic) => !topic.startsWith('$'),
  canSubscribe: () => true,
  canReceive: () => true,
};
