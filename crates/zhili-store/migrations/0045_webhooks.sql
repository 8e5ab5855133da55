-- Outbound webhooks (Standard Webhooks). A unit's subscription: the endpoint, the event types
-- (space-separated), its signing secret sealed with the data key, and while a rotation
-- overlaps the previous secret and until when it still signs. Deliveries are queued in the
-- same transaction as the change they tell of, with the exact body signed and sent.
CREATE TABLE webhook_subscriptions (
    id {id},
    unit_id TEXT NOT NULL,
    url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    secret_enc TEXT NOT NULL,
    previous_secret_enc TEXT,
    previous_until BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT,
    disabled_reason TEXT
);
CREATE INDEX webhook_subscriptions_unit ON webhook_subscriptions (unit_id, id);

CREATE TABLE webhook_deliveries (
    id {id},
    subscription_id BIGINT NOT NULL,
    message_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    state TEXT NOT NULL,
    next_at BIGINT,
    last_status BIGINT,
    last_error TEXT,
    delivered_at BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id);
