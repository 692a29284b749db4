package io.flowbatch;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Executes marketing-automation flows in batches per action. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class FlowbatchApplication {

    public static void main(String[] args) {
        SpringApplication.run(FlowbatchApplication.class, args);
    }

}
