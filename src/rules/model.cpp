#include "rules/model.h"

#include <algorithm>

namespace cr {

bool UserMatch::matches(const std::vector<std::string>& users) const {
    auto named = [&](const std::string& u) {
        if (std::find(own.begin(), own.end(), u) != own.end()) return true;
        for (const List* l : lists)
            if (std::find(l->users.begin(), l->users.end(), u) != l->users.end()) return true;
        return false;
    };
    return std::any_of(users.begin(), users.end(), named);
}

bool Answer::needs_to() const {
    return std::any_of(holes.begin(), holes.end(), [](const Hole& h) { return h.kind == Hole::To; });
}

bool NumberMatch::matches(const Number& n) const {
    if (own.contains(n)) return true;
    for (const List* l : lists)
        if (l->set.contains(n)) return true;
    return false;
}

const MenuChoice* Menu::choose(const std::string& typed) const {
    if (typed.empty()) return none.get();
    for (const MenuChoice& c : keys)
        if (c.keys == typed) return &c;
    return other.get();
}

const List* RuleSet::find_list(const std::string& name) const {
    for (const auto& l : lists)
        if (l->name == name) return l.get();
    return nullptr;
}

const Hours* RuleSet::find_hours(const std::string& name) const {
    for (const auto& h : hours)
        if (h->name() == name) return h.get();
    return nullptr;
}

const Menu* RuleSet::find_menu(const std::string& name) const {
    for (const auto& m : menus)
        if (m->name == name) return m.get();
    return nullptr;
}

const FollowUp* RuleSet::find_follow_up(const std::string& id) const {
    auto it = follow_ups.find(id);
    return it == follow_ups.end() ? nullptr : &it->second;
}

const Notify* RuleSet::find_notify(const std::string& name) const {
    for (const Notify& n : notifies)
        if (n.name == name) return &n;
    return nullptr;
}

const Switch* RuleSet::find_switch(const std::string& name) const {
    for (const auto& s : switches)
        if (s->name == name) return s.get();
    return nullptr;
}

const Rota* RuleSet::find_rota(const std::string& name) const {
    for (const auto& r : rotas)
        if (r->name == name) return r.get();
    return nullptr;
}

}  // namespace cr
