package io.flowbatch.delivery;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.thymeleaf.IEngineConfiguration;
import org.thymeleaf.cache.AlwaysValidCacheEntryValidity;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ITemplateResolver;
import org.thymeleaf.templateresolver.TemplateResolution;
import org.thymeleaf.templateresource.StringTemplateResource;

/**
 * Resolves {@code template:{id}:v{version}:{part}} to text registered by the sandbox and
 * marks it valid forever: a version never changes, so each part is parsed once per JVM
 * and then served from Thymeleaf's template cache. Unknown names resolve to nothing, so a
 * template can never reach another one.
 */
final class VersionedTemplateResolver implements ITemplateResolver {

    /**
     * Templates the cache may still need; old versions fall out, and are registered again
     * if rendered.
     */
    static final int MAX_TEXTS = 10_000;

    private final Map<String, String> texts = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_TEXTS;
        }
    });

    private final TemplateMode mode;

    VersionedTemplateResolver(TemplateMode mode) {
        this.mode = mode;
    }

    void register(String name, String text) {
        texts.putIfAbsent(name, text);
    }

    @Override
    public String getName() {
        return "flowbatch-versioned-" + mode;
    }

    @Override
    public Integer getOrder() {
        return 1;
    }

    @Override
    public TemplateResolution resolveTemplate(IEngineConfiguration configuration, String ownerTemplate, String template,
            Map<String, Object> templateResolutionAttributes) {
        String text = texts.get(template);
        if (text == null) {
            return null;
        }
        return new TemplateResolution(new StringTemplateResource(text), mode, AlwaysValidCacheEntryValidity.INSTANCE);
    }

}
