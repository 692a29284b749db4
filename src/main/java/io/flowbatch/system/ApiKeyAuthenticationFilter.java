package io.flowbatch.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates intake and flow calls by their {@code X-Api-Key} header. A wrong key is
 * answered with 401 at once; a missing one is left to the authorization rules.
 */
class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

    static final String HEADER = "X-Api-Key";

    static final String ROLE_API = "ROLE_API";

    private final byte[] expectedKey;

    private final AuthenticationEntryPoint entryPoint;

    private final SecurityContextHolderStrategy contextHolder = SecurityContextHolder.getContextHolderStrategy();

    ApiKeyAuthenticationFilter(String expectedKey, AuthenticationEntryPoint entryPoint) {
        this.expectedKey = expectedKey.getBytes(StandardCharsets.UTF_8);
        this.entryPoint = entryPoint;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String presented = request.getHeader(HEADER);
        if (presented == null) {
            chain.doFilter(request, response);
            return;
        }
        // Constant-time comparison: response timing must not reveal how much of a key was
        // right.
        if (!MessageDigest.isEqual(expectedKey, presented.getBytes(StandardCharsets.UTF_8))) {
            contextHolder.clearContext();
            entryPoint.commence(request, response, new BadCredentialsException("Invalid API key"));
            return;
        }
        SecurityContext context = contextHolder.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated("api-key", null,
                List.of(new SimpleGrantedAuthority(ROLE_API))));
        contextHolder.setContext(context);
        chain.doFilter(request, response);
    }

}
