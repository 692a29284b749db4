package io.flowbatch.system;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityScheme;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI description of the intake, flow and admin API (served to admins at
 * /v3/api-docs).
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    @Bean
    OpenAPI flowbatchOpenApi() {
        return new OpenAPI()
            .info(new Info().title("flowbatch")
                .description("Intake of customers and events, flows, and the operation of the minute job. "
                        + "Intake and flow calls carry X-Api-Key; /api/admin/** uses the admin user (HTTP Basic).")
                .version("v1"))
            .components(new Components()
                .addSecuritySchemes("apiKey",
                        new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                            .in(SecurityScheme.In.HEADER)
                            .name("X-Api-Key"))
                .addSecuritySchemes("admin", new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("basic")));
    }

}
