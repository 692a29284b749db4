package io.flowbatch.delivery;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Which replies say the relay wants flowbatch to slow down. */
class SendResultTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|',
            value = { "421 4.7.0 Too many connections, slow down | true", "421 4.3.2 Service shutting down | true",
                    "451 4.7.1 Rate limited, try again later | true",
                    "451-4.7.650 The mail server has been temporarily rate limited | true",
                    "454 Throttling failure: Maximum sending rate exceeded. | true",
                    "451 4.3.0 Temporary server error | false", "450 4.2.1 Mailbox busy | false",
                    "452 4.2.2 Mailbox full | false", "454 4.7.0 TLS not available due to local problem | false",
                    "550 5.7.1 Rejected for policy reasons | false" })
    void aThrottlingReplyIsKnownFromItsCodes(String reply, boolean throttled) {
        SendResult.Kind kind = reply.startsWith("5") ? SendResult.Kind.PERMANENT : SendResult.Kind.TRANSIENT;

        assertThat(SendResult.of(kind, reply).throttled()).isEqualTo(throttled);
    }

}
