package io.flowbatch.flow;

import java.time.LocalTime;
import java.util.List;

import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * When a marketing action may send, on the customer's clock: on {@code days}, from
 * {@code from} until {@code to}. A {@code to} before {@code from} means over midnight
 * (20:00 to 02:00 the next day); {@code days} are the days the window opens.
 */
public record SendWindow(@NotEmpty @Size(max = 7) List<@NotNull SendDay> days, @NotNull LocalTime from,
        @NotNull LocalTime to) {
}
