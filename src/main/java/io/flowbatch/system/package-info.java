/**
 * The shared kernel every feature may use and that uses none: security, the API's error
 * format and validation helpers, the clock, and the value types of requests (email
 * address, time zone).
 */
package io.flowbatch.system;
