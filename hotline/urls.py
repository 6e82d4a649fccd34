from django.urls import path

from hotline import views

app_name = "hotline"

urlpatterns = [
    path("", views.console, name="console"),
    path("calls/", views.call_list, name="calls"),
    path("calls/no-case/", views.call_without_case, name="call_without_case"),
    path("calls/<int:pk>/reveal/", views.call_reveal, name="call_reveal"),
    path("revisits/", views.revisit_queue, name="revisit_queue"),
    path("revisits/<case_number:number>/", views.revisit, name="revisit"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("knowledge/", views.knowledge_list, name="knowledge"),
    path("knowledge/search/", views.knowledge_search, name="knowledge_search"),
    path("knowledge/new/", views.knowledge_edit, name="knowledge_new"),
    path("knowledge/<int:pk>/", views.knowledge_edit, name="knowledge_edit"),
]
