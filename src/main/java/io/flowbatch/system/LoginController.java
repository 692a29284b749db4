package io.flowbatch.system;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/** The login page of the admin pages (form login; Spring Security handles the POST). */
@Controller
class LoginController {

    @GetMapping("/login")
    String login() {
        return "login";
    }

    @GetMapping("/")
    String root() {
        return "redirect:/admin";
    }

}
