/**
 * Outbound webhooks, the requests a flow's webhook steps make to SMS gateways, CRMs and
 * chat tools: which URLs may be called (an allow-list, and no loopback, private or
 * metadata address unless allowed), HMAC-signed JSON requests with a timeout each, sent
 * with bounded concurrency or as one batch, and what each reply means. Knows nothing of
 * evaluations; owns no table.
 */
package io.flowbatch.webhook;
