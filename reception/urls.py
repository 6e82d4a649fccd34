from django.urls import path

from reception import views

app_name = "reception"

urlpatterns = [
    path("", views.board, name="board"),
    path("register/", views.register, name="register"),
    path("history/", views.visitor_history, name="history"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/print/<str:document>/", views.print_document, name="print"),
    path("visits/<int:pk>/<str:move>/", views.visit_move, name="move"),
    path("leader-days/", views.leader_days, name="leader_days"),
    path("leader-days/<int:pk>/book/", views.book, name="book"),
]
