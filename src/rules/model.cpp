#include "rules/model.h"

namespace cr {

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

}  // namespace cr
