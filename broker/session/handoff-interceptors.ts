// What a moving session's deliveries go through (Session.handoff): at the new owner a window that
// delivers each message identity once, at the old owner a relay to the node the session went to.
// The owner (session-handoff.ts) keeps the state; these are the per-delivery checks.
import type { Message, QoS } from '../routing/message.js';
import type { StoredDelivery } from '../store/store.js';
import type { SeenMessages } from './seen-messages.js';
import type { DeliveryInterceptor, Session } from './session.js';

/** What the interceptors ask of the hand-off that made them. */
export interface HandoffOwner {
  now(): number;
  duplicateDropped(): void;
  relay(node: string, clientId: string, delivery: StoredDelivery): void;
}

/** The new owner's check: each message identity is delivered once while the window lasts. */
export class DedupeWindow implements DeliveryInterceptor {
  readonly relaying = false;
  constructor(readonly seen: SeenMessages, readonly until: number, readonly owner: HandoffOwner) {}
  intercept(session: Session, message: Message, qos: QoS): boolean {
    const seq = message.originSeq;
    if (qos === 0 || seq === undefined || seq === 0) return false;
    if (this.owner.now() > this.until) {
      session.handoff = undefined;
      return false;
    }
    if (this.seen.add(message.originNode, seq)) return false;
    this.owner.duplicateDropped();
    return true;
  }
}

/** The old owner's relay: every delivery that still reaches the session here goes on to `node`. */
export class RelayOut implements DeliveryInterceptor {
  readonly relaying = true;
  constructor(readonly node: string, readonly owner: HandoffOwner) {}
  intercept(session: Session, message: Message, qos: QoS, retain: boolean, subscriptionIds: readonly number[] | undefined, shareGroup: string | undefined): boolean {
    this.owner.relay(this.node, session.clientId, { message, qos, retain, subscriptionIds, shareGroup });
    return true;
  }
}
