package io.flowbatch.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.flowbatch.execution.BenchmarkJobs;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;

/**
 * The whole application against real PostgreSQL and Redis (see
 * application-test.properties), with MockMvc and a statement counter. Every test class
 * using it shares one context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest
@AutoConfigureMockMvc
@ActiveProfiles("test")
@Import({ StatementCounter.class, TestData.class, Fixtures.class, BenchmarkJobs.class })
public @interface FlowbatchTest {

    String API_KEY = "test-api-key";

    String ADMIN_USER = "admin";

    String ADMIN_PASSWORD = "test-admin-password";

}
