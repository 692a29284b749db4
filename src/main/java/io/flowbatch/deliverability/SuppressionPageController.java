package io.flowbatch.deliverability;

import io.flowbatch.intake.Suppressions;
import io.flowbatch.system.InvalidRequestException;
import io.flowbatch.system.Paging;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The suppression list page: search by address, reason and date, newest first, and remove
 * an address (a POST with a CSRF token, answered by a redirect and a message).
 */
@Controller
@RequestMapping("/admin")
class SuppressionPageController {

    static final int PAGE_SIZE = 50;

    private final Suppressions suppressions;

    SuppressionPageController(Suppressions suppressions) {
        this.suppressions = suppressions;
    }

    @GetMapping("/suppressions")
    String list(@RequestParam(required = false) String email, @RequestParam(required = false) String reason,
            @RequestParam(required = false) String since, @RequestParam(defaultValue = "0") int page, Model model) {
        Suppressions.Search search;
        try {
            search = SuppressionController.search(email, reason, since);
        }
        catch (InvalidRequestException ex) {
            model.addAttribute("error", "The date must look like 2026-12-01.");
            search = SuppressionController.search(email, reason, null);
        }
        Paging paging = Paging.of(Math.max(page, 0), PAGE_SIZE, PAGE_SIZE);
        long total = suppressions.count(search);
        model.addAttribute("email", email);
        model.addAttribute("reason", reason);
        model.addAttribute("since", since);
        model.addAttribute("total", total);
        model.addAttribute("page", paging.page());
        model.addAttribute("pages", Math.max(1, (total + PAGE_SIZE - 1) / PAGE_SIZE));
        model.addAttribute("suppressions", suppressions.page(search, paging.page(), PAGE_SIZE));
        return "admin/suppressions";
    }

    @PostMapping("/suppressions/remove")
    String remove(@RequestParam String email, RedirectAttributes redirect) {
        if (suppressions.remove(email)) {
            redirect.addFlashAttribute("message", email + " is mailed again.");
        }
        else {
            redirect.addFlashAttribute("error", email + " was not suppressed.");
        }
        return "redirect:/admin/suppressions";
    }

}
