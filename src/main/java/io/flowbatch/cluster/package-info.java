/**
 * Several nodes on one database: node identity and heartbeats ({@code node} table), the
 * dead-node sweep that fails what a dead node left running, remote partitioning over a
 * PostgreSQL-backed channel, and the agreement of every node on the delivery guarantee.
 */
package io.flowbatch.cluster;
