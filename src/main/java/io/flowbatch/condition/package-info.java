/**
 * The condition language of flows: trigger filters, profile filters and split steps. Its
 * JSON form is read into a small tree ({@link io.flowbatch.condition.Condition}) that
 * names each bad field, and compiled once into a parameterized SQL predicate
 * ({@link io.flowbatch.condition.ConditionSql}) that decides a whole chunk in the
 * statement that uses it. No value of a condition is ever written into SQL text. Owns no
 * table.
 */
package io.flowbatch.condition;
