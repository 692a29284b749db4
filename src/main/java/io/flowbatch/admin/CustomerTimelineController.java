package io.flowbatch.admin;

import io.flowbatch.system.NotFoundException;
import io.flowbatch.system.Paging;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

/**
 * The customer timeline: {@code GET /api/admin/customers?email=} and the page
 * {@code /admin/customers} with its search box.
 */
@Controller
class CustomerTimelineController {

    static final int MAX_PAGE_SIZE = 200;

    private final CustomerTimeline timelines;

    CustomerTimelineController(CustomerTimeline timelines) {
        this.timelines = timelines;
    }

    @GetMapping("/api/admin/customers")
    @ResponseBody
    CustomerTimeline.Timeline timeline(@RequestParam String email, @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "50") int size) {
        Paging paging = Paging.of(page, size, MAX_PAGE_SIZE);
        return timelines.of(email, paging.page(), paging.size())
            .orElseThrow(() -> new NotFoundException("No customer with email " + email.strip()));
    }

    @GetMapping("/admin/customers")
    String page(@RequestParam(required = false) String email, @RequestParam(defaultValue = "0") int page, Model model) {
        model.addAttribute("email", email);
        if (email != null && !email.isBlank()) {
            timelines.of(email, Math.max(page, 0), 25)
                .ifPresentOrElse((timeline) -> model.addAttribute("timeline", timeline),
                        () -> model.addAttribute("notFound", true));
        }
        return "admin/customer";
    }

}
