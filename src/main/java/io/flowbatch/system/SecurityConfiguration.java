package io.flowbatch.system;

import java.io.IOException;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;

/**
 * Who may call what (README, API): the API key for intake and flows, the admin user for
 * admin paths and actuator, anyone for health and unsubscribe. A missing or wrong
 * credential is 401, a known caller without the right is 403.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class SecurityConfiguration {

    static final String ROLE_ADMIN = "ADMIN";

    static final String ROLE_API = "API";

    /** Every path under the default actuator base path, exposed endpoint or not. */
    static final String ACTUATOR_PATHS = "/actuator/**";

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    UserDetailsService adminUsers(Credentials credentials, PasswordEncoder encoder) {
        return new InMemoryUserDetailsManager(User.withUsername(credentials.adminUser())
            .password(encoder.encode(credentials.adminPassword()))
            .roles(ROLE_ADMIN)
            .build());
    }

    /**
     * Provider webhooks: each provider authenticates its requests its own way (a
     * signature, or credentials of its own), checked by the endpoint itself, so that
     * flowbatch's API credentials never need to be given to a provider.
     */
    @Bean
    @Order(0)
    SecurityFilterChain webhookChain(HttpSecurity http) throws Exception {
        return http.securityMatcher("/api/webhooks/**")
            .authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
            .sessionManagement((session) -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            .csrf((csrf) -> csrf.disable())
            .build();
    }

    /** The REST API: stateless, API key or HTTP Basic, answers in JSON. */
    @Bean
    @Order(1)
    SecurityFilterChain apiChain(HttpSecurity http, Credentials credentials) throws Exception {
        AuthenticationEntryPoint unauthorized = jsonUnauthorized();
        return http.securityMatcher("/api/**")
            .authorizeHttpRequests((requests) -> requests.requestMatchers("/api/admin/**")
                .hasRole(ROLE_ADMIN)
                .anyRequest()
                .hasRole(ROLE_API))
            .addFilterBefore(new ApiKeyAuthenticationFilter(credentials.apiKey(), unauthorized),
                    BasicAuthenticationFilter.class)
            .sessionManagement((session) -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            .with(new JsonBasicAuthentication(unauthorized), Customizer.withDefaults())
            .build();
    }

    /**
     * Actuator: health for anyone, the rest for the admin over HTTP Basic. Paths under
     * the actuator that name no exposed endpoint belong here too: a client asking for
     * {@code /actuator/env} gets 401 without credentials and 404 with them, not a
     * redirect to the login page.
     */
    @Bean
    @Order(2)
    SecurityFilterChain actuatorChain(HttpSecurity http) throws Exception {
        AuthenticationEntryPoint unauthorized = jsonUnauthorized();
        return http
            .securityMatchers((matchers) -> matchers.requestMatchers(EndpointRequest.toAnyEndpoint())
                .requestMatchers(ACTUATOR_PATHS))
            .authorizeHttpRequests((requests) -> requests.requestMatchers(EndpointRequest.to(HealthEndpoint.class))
                .permitAll()
                .anyRequest()
                .hasRole(ROLE_ADMIN))
            .sessionManagement((session) -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            .with(new JsonBasicAuthentication(unauthorized), Customizer.withDefaults())
            .build();
    }

    /**
     * The OpenAPI description: for the admin, over HTTP Basic (tools) or the page session
     * (the Swagger UI page, after form login).
     */
    @Bean
    @Order(3)
    SecurityFilterChain apiDocsChain(HttpSecurity http) throws Exception {
        AuthenticationEntryPoint unauthorized = jsonUnauthorized();
        return http.securityMatcher("/v3/api-docs/**")
            .authorizeHttpRequests((requests) -> requests.anyRequest().hasRole(ROLE_ADMIN))
            .with(new JsonBasicAuthentication(unauthorized), Customizer.withDefaults())
            .build();
    }

    /** Pages: form login with CSRF tokens; unsubscribe links work without login. */
    @Bean
    @Order(4)
    SecurityFilterChain pageChain(HttpSecurity http) throws Exception {
        return http
            .authorizeHttpRequests(
                    (requests) -> requests.requestMatchers("/u/**", "/login", "/error", "/favicon.ico", "/css/**")
                        .permitAll()
                        .requestMatchers("/admin/**", "/", "/swagger-ui/**", "/swagger-ui.html")
                        .hasRole(ROLE_ADMIN)
                        .anyRequest()
                        .authenticated())
            .formLogin((form) -> form.loginPage("/login").defaultSuccessUrl("/admin", false).permitAll())
            .logout(Customizer.withDefaults())
            // One-click unsubscribe (RFC 8058) is a POST from a mail provider, which has
            // no token.
            .csrf((csrf) -> csrf.ignoringRequestMatchers("/u/**"))
            .build();
    }

    /**
     * HTTP Basic for machine clients: no CSRF (no cookies to ride on), 401 and 403 as
     * problem JSON.
     */
    private static final class JsonBasicAuthentication
            extends AbstractHttpConfigurer<JsonBasicAuthentication, HttpSecurity> {

        private final AuthenticationEntryPoint unauthorized;

        JsonBasicAuthentication(AuthenticationEntryPoint unauthorized) {
            this.unauthorized = unauthorized;
        }

        @Override
        public void init(HttpSecurity http) {
            http.httpBasic((basic) -> basic.authenticationEntryPoint(unauthorized))
                .csrf((csrf) -> csrf.disable())
                .exceptionHandling(
                        (errors) -> errors.authenticationEntryPoint(unauthorized).accessDeniedHandler(jsonForbidden()));
        }

    }

    private static AuthenticationEntryPoint jsonUnauthorized() {
        return (request, response, ex) -> {
            // No Basic challenge for browsers: a browser that never prompts never keeps
            // admin
            // credentials that another site's form could ride on (CSRF on the stateless
            // API).
            String accept = request.getHeader("Accept");
            if (accept == null || !accept.contains("text/html")) {
                response.setHeader("WWW-Authenticate", "Basic realm=\"flowbatch\"");
            }
            writeProblem(response, HttpServletResponse.SC_UNAUTHORIZED, "Unauthorized",
                    "A valid X-Api-Key header or admin credentials are required.");
        };
    }

    private static AccessDeniedHandler jsonForbidden() {
        return (request, response, ex) -> writeProblem(response, HttpServletResponse.SC_FORBIDDEN, "Forbidden",
                "These credentials do not give access to " + request.getRequestURI() + ".");
    }

    private static void writeProblem(HttpServletResponse response, int status, String title, String detail)
            throws IOException {
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        // Fixed texts only, so no JSON escaping is needed.
        response.getWriter()
            .write("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\""
                    + detail.replace("\"", "'") + "\"}");
    }

}
