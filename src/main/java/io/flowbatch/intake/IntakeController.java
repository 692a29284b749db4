package io.flowbatch.intake;

import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Customers and events (README, API). */
@RestController
class IntakeController {

    private final IntakeService intake;

    IntakeController(IntakeService intake) {
        this.intake = intake;
    }

    @PostMapping("/api/customers")
    CustomersUpserted upsertCustomers(@RequestBody List<CustomerRequest> customers) {
        return intake.upsertCustomers(customers);
    }

    @PostMapping("/api/events")
    @ResponseStatus(HttpStatus.ACCEPTED)
    EventsAccepted ingestEvents(@RequestBody List<EventRequest> events) {
        return intake.ingestEvents(events);
    }

}
