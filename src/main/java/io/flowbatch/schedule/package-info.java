/**
 * The Quartz trigger that launches the minute job every period, and the settings of that
 * schedule; a misfired minute is launched once, late, never twice.
 */
package io.flowbatch.schedule;
