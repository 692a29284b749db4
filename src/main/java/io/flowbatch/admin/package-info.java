/**
 * What operators see and do: the admin API and pages (dashboard, executions, one
 * execution, one action, outbox), job inspection and restart, operator moves of
 * evaluations (through the evaluation package), dependency health, operations metrics and
 * the daily housekeeping.
 */
package io.flowbatch.admin;
