package io.flowbatch.intake;

import java.util.Map;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

import static io.flowbatch.support.Api.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@FlowbatchTest
class CustomerIntakeTest {

    @Autowired
    MockMvc mvc;

    @Autowired
    TestData data;

    @BeforeEach
    void reset() {
        data.reset();
    }

    @Test
    void upsertByEmailKeepsAbsentFieldsAndMergesProperties() throws Exception {
        mvc.perform(postJson("/api/customers", """
                [{"email": "jane@example.com", "firstName": "Jane", "lastName": "Doe", "timezone": "Europe/Paris",
                  "properties": {"tier": "gold", "city": "Lyon"}},
                 {"email": "joe@example.com"}]
                """))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.created").value(2))
            .andExpect(jsonPath("$.updated").value(0));

        mvc.perform(postJson("/api/customers", """
                [{"email": " JANE@example.com ", "lastName": "Smith", "properties": {"city": "Paris"}},
                 {"email": "ann@example.com", "firstName": "Ann"},
                 {"email": "ann@example.com", "lastName": "Lee"}]
                """))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.created").value(1))
            .andExpect(jsonPath("$.updated").value(1));

        Map<String, Object> jane = data.jdbc()
            .sql("SELECT first_name, last_name, timezone, properties::text AS properties FROM customer WHERE email = 'jane@example.com'")
            .query()
            .singleRow();
        assertThat(jane).containsEntry("first_name", "Jane")
            .containsEntry("last_name", "Smith")
            .containsEntry("timezone", "Europe/Paris");
        assertThat((String) jane.get("properties")).contains("\"tier\": \"gold\"").contains("\"city\": \"Paris\"");
        Map<String, Object> ann = data.jdbc()
            .sql("SELECT first_name, last_name FROM customer WHERE email = 'ann@example.com'")
            .query()
            .singleRow();
        assertThat(ann).containsEntry("first_name", "Ann").containsEntry("last_name", "Lee");
        assertThat(data.count("customer")).isEqualTo(3);
    }

    @Test
    void invalidCustomersAreNamedAndNothingIsWritten() throws Exception {
        mvc.perform(postJson("/api/customers", """
                [{"email": "jane@example.com", "firstName": "Jane"},
                 {"email": "jane@localhost", "timezone": "Mars/Olympus"},
                 {"email": "joe@example.com", "firstName": "Joe\\nBcc: all@example.com"},
                 {"firstName": "Nobody"}]
                """))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors.length()").value(4))
            .andExpect(jsonPath("$.errors[0].field").value("[1].email"))
            .andExpect(jsonPath("$.errors[1].field").value("[1].timezone"))
            .andExpect(jsonPath("$.errors[2].field").value("[2].firstName"))
            .andExpect(jsonPath("$.errors[3].field").value("[3].email"));
        mvc.perform(postJson("/api/customers", """
                [{"email": "jane@example.com", "properties": ["not", "an", "object"]}]
                """))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.errors[0].field").value("[0].properties"));

        assertThat(data.count("customer")).isZero();
    }

}
