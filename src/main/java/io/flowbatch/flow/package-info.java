/**
 * Flows and their actions as the API creates and reads them: validation, templates
 * checked against the sandbox, action status. Owns the {@code flow}, {@code action} and
 * {@code template} tables.
 */
package io.flowbatch.flow;
