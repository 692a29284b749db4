package io.flowbatch.support;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.Profiles;

/**
 * Under the test profile, points the application's mail at the scriptable
 * {@link TestSmtpServer} before the zero-setup run decides what to embed (so no GreenMail
 * starts for these contexts).
 */
public class TestServicesEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.acceptsProfiles(Profiles.of("test"))) {
            environment.getPropertySources()
                .addFirst(new MapPropertySource("flowbatchTestSmtp",
                        Map.of("spring.mail.host", "127.0.0.1", "spring.mail.port", TestSmtpServer.shared().port())));
        }
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE - 1;
    }

}
